import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { basicSetup, EditorView } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { sql, SQLDialect, StandardSQL } from '@codemirror/lang-sql';
import type { SqlViewSchema } from '../api/types.ts';

/** ClickHouse words on top of standard SQL, for highlighting and keyword completion. */
const CLICKHOUSE = SQLDialect.define({
  ...StandardSQL.spec,
  keywords: `${StandardSQL.spec.keywords ?? ''} final prewhere array join global any asof semi anti ilike interval with fill step limit by qualify`,
  builtin: 'count sum avg min max uniq uniqExact quantile quantiles quantileIf sumIf countIf avgIf toDate toStartOfDay toStartOfHour toStartOfMonth toStartOfWeek dateDiff now today round if multiIf arrayJoin groupArray any anyLast argMax argMin quantilesTDigestMerge',
  types: 'String UInt8 UInt16 UInt32 UInt64 Int32 Int64 Float64 Date DateTime DateTime64 Array Map Nullable LowCardinality',
});

const THEME = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'var(--surface)', color: 'var(--text)', border: '1px solid var(--border)', borderRadius: '8px' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-1px' },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', border: 'none', borderRadius: '8px 0 0 8px' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--surface-hover)' },
  '.cm-tooltip': { backgroundColor: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent)', color: '#fff' },
  '.cm-scroller': { minHeight: '180px', maxHeight: '420px' },
});

export interface SqlEditorHandle {
  /** Puts text at the cursor (a view or column name from the schema browser). */
  insert(text: string): void;
}

interface Props {
  value: string;
  onChange: (sql: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun: () => void;
  views: SqlViewSchema[];
  ariaLabel: string;
  ref?: Ref<SqlEditorHandle>;
}

/**
 * CodeMirror with SQL highlighting and completion of the report views and their columns
 * (`requests`'s columns also unqualified, the view most queries read).
 */
export function SqlEditor({ value, onChange, onRun, views, ariaLabel, ref }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };

  useEffect(() => {
    const schema = Object.fromEntries(views.map((v) => [v.name, v.columns.map((c) => ({ label: c.name, type: 'property', detail: c.type, info: c.description }))]));
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: view.current?.state.doc.toString() ?? value,
        extensions: [
          keymap.of([{ key: 'Mod-Enter', run: () => (latest.current.onRun(), true) }]),
          basicSetup,
          sql({ dialect: CLICKHOUSE, schema, defaultTable: 'requests', upperCaseKeywords: true }),
          THEME,
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': ariaLabel, 'data-testid': 'sql-editor' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The document lives in the editor; a new schema or label rebuilds it around the same text.
  }, [views, ariaLabel]);

  // Text set from outside (a template, a saved report) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  useImperativeHandle(ref, () => ({
    insert(text: string) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch(editor.state.replaceSelection(text));
      editor.focus();
    },
  }), []);

  return <div ref={host} className="sql-editor" />;
}
