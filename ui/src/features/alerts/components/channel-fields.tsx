import { useI18n } from '../../../lib/i18n/index.tsx';
import type { ChannelForm } from '../lib/rule-form.ts';

const NEW_CHANNEL: Record<ChannelForm['type'], ChannelForm> = {
  webhook: { type: 'webhook', url: '', secret: '' },
  slack: { type: 'slack', url: '' },
  email: { type: 'email', to: '' },
};

/**
 * The rule's channels. Secrets come back masked (********): left as they are, the stored
 * secret is kept. Email goes through the SMTP server of the config (`alerts.smtp`) unless the
 * channel was given one through the API, which is kept as it is.
 */
export function ChannelFields({ channels, onChange, disabled }: { channels: ChannelForm[]; onChange: (c: ChannelForm[]) => void; disabled: boolean }) {
  const { t } = useI18n();
  const set = (i: number, c: ChannelForm) => onChange(channels.map((x, j) => (j === i ? c : x)));
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 10 }} data-testid="alert-channels">
      {channels.map((c, i) => (
        <div key={i} className="form-grid" style={{ gridTemplateColumns: '130px 1fr 1fr auto', alignItems: 'end' }} data-channel-index={i}>
          <label className="field">
            <span>{t('alerts.field.channelType')}</span>
            <select className="select" value={c.type} disabled={disabled} onChange={(e) => set(i, NEW_CHANNEL[e.target.value as ChannelForm['type']])} data-testid="channel-type">
              {(['webhook', 'slack', 'email'] as const).map((type) => <option key={type} value={type}>{t(`alerts.channel.${type}`)}</option>)}
            </select>
          </label>
          {c.type === 'email' ? (
            <label className="field" style={{ gridColumn: 'span 2' }}>
              <span>{t('alerts.field.to')}</span>
              <input className="input" value={c.to} disabled={disabled} onChange={(e) => set(i, { ...c, to: e.target.value })} placeholder="ops@example.com, oncall@example.com" data-testid="channel-to" />
            </label>
          ) : (
            <label className="field" style={c.type === 'slack' ? { gridColumn: 'span 2' } : undefined}>
              <span>{t(c.type === 'slack' ? 'alerts.field.slackUrl' : 'alerts.field.url')}</span>
              <input className="input" type="url" value={c.url} disabled={disabled} onChange={(e) => set(i, { ...c, url: e.target.value })} placeholder="https://" data-testid="channel-url" />
            </label>
          )}
          {c.type === 'webhook' && (
            <label className="field">
              <span title={t('alerts.field.secretHint')}>{t('alerts.field.secret')}</span>
              <input className="input" value={c.secret} disabled={disabled} onChange={(e) => set(i, { ...c, secret: e.target.value })} autoComplete="off" data-testid="channel-secret" />
            </label>
          )}
          <button type="button" className="btn btn-sm" disabled={disabled} onClick={() => onChange(channels.filter((_, j) => j !== i))} aria-label={t('alerts.channel.remove')}>×</button>
        </div>
      ))}
      {!disabled && (
        <div><button type="button" className="btn btn-sm" onClick={() => onChange([...channels, NEW_CHANNEL.webhook])} data-testid="add-channel">{t('alerts.channel.add')}</button></div>
      )}
    </div>
  );
}
