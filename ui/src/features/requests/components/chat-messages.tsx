import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { ChatMessage, Conversation, Part } from '@periscope/contract/api';

function prettyArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

function PartView({ part }: { part: Part }) {
  const { t } = useI18n();
  switch (part.kind) {
    case 'text':
      return <div>{part.text}</div>;
    case 'thinking':
      return (
        <details className="tool-block">
          <summary className="tool-block-head" style={{ cursor: 'pointer' }}>{t('chat.thinking')}</summary>
          <div style={{ whiteSpace: 'pre-wrap' }} className="muted">{part.text}</div>
        </details>
      );
    case 'image':
      return <div className="tool-block"><span className="badge info">{t('chat.image')}</span> <span className="mono truncate">{part.source.slice(0, 120)}</span></div>;
    case 'tool_call':
      return (
        <div className="tool-block" data-testid="tool-call">
          <div className="tool-block-head"><Icon name="tool" width={14} height={14} />{t('chat.toolCall')} <code>{part.name}</code>{part.id && <span className="faint mono">{part.id}</span>}</div>
          <pre className="mono">{prettyArgs(part.args)}</pre>
        </div>
      );
    case 'tool_result':
      return (
        <div className="tool-block" data-testid="tool-result">
          <div className="tool-block-head">{t('chat.toolResult')}{part.id && <span className="faint mono">{part.id}</span>}{part.isError && <span className="badge bad">{t('chat.toolError')}</span>}</div>
          <pre className="mono">{prettyArgs(part.content)}</pre>
        </div>
      );
    default:
      return <div className="tool-block"><div className="tool-block-head">{part.label}</div><pre className="mono">{JSON.stringify(part.value, null, 2)}</pre></div>;
  }
}

const ROLE_LABEL: Record<ChatMessage['role'], MessageKey> = {
  system: 'chat.system', developer: 'chat.developer', user: 'chat.user', assistant: 'chat.assistant', tool: 'chat.tool',
};

function MessageView({ message }: { message: ChatMessage }) {
  const { t } = useI18n();
  const role = ROLE_LABEL[message.role] ? message.role : 'user';
  return (
    <article className={`msg ${role === 'developer' ? 'system' : role}`} data-testid="chat-message" data-role={message.role}>
      <div className="msg-head"><span className="msg-role">{t(ROLE_LABEL[role])}</span>{message.name && <span className="faint">· {message.name}</span>}</div>
      <div className="msg-body">
        {message.parts.length === 0 ? <span className="faint">{t('chat.empty')}</span> : message.parts.map((p, i) => <PartView key={i} part={p} />)}
      </div>
    </article>
  );
}

/** The call as a conversation: what was sent, then what came back. */
export function ChatMessages({ conversation, requestTruncated, responseTruncated }: { conversation: Conversation; requestTruncated: boolean; responseTruncated: boolean }) {
  const { t } = useI18n();
  const c = conversation;
  return (
    <div className="chat" data-testid="chat">
      {c.tools.length > 0 && (
        <details className="tool-block">
          <summary className="tool-block-head" style={{ cursor: 'pointer' }}><Icon name="tool" width={14} height={14} />{t('chat.tools', { count: c.tools.length })}</summary>
          <ul style={{ margin: 0, paddingLeft: 18 }}>{c.tools.map((tool) => <li key={tool.name}><code>{tool.name}</code> <span className="muted">{tool.description}</span></li>)}</ul>
        </details>
      )}
      {requestTruncated && <div className="notice">{t('detail.requestTruncated')}</div>}
      {c.unreadable.request && <div className="notice">{t('chat.requestUnreadable')}</div>}
      {c.request.map((m, i) => <MessageView key={`q${i}`} message={m} />)}
      {c.request.length === 0 && !c.unreadable.request && <p className="muted">{t('chat.noRequestMessages')}</p>}
      <div className="msg-section">{t('chat.response')}</div>
      {c.error && <div className="notice bad" role="alert"><Icon name="alert" width={16} height={16} />{c.error}</div>}
      {responseTruncated && <div className="notice">{t('detail.responseTruncated')}</div>}
      {c.unreadable.response && <div className="notice">{t('chat.responseUnreadable')}</div>}
      {c.response.map((m, i) => <MessageView key={`a${i}`} message={m} />)}
      {c.response.length === 0 && !c.error && !c.unreadable.response && <p className="muted">{t('chat.noResponse')}</p>}
    </div>
  );
}
