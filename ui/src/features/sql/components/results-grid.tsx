import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useI18n } from '../../../lib/i18n/index.tsx';
import type { SqlResult } from '../api/types.ts';

const ROW_HEIGHT = 32;
const isNumeric = (type: string) => /^(Nullable\()?(U?Int|Float|Decimal)/.test(type);

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The result as a table: only the rows in view are in the DOM (up to the console's row cap). */
export function ResultsGrid({ result }: { result: SqlResult }) {
  const { t } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: result.data.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const template = `repeat(${result.meta.length}, minmax(120px, 1fr))`;
  const minWidth = Math.max(result.meta.length * 140, 600);
  return (
    <div ref={scroller} className="vtable sql-grid" role="table" aria-label={t('sql.results')} aria-rowcount={result.rows + 1} data-testid="sql-results">
      <div className="thead trow" role="row" style={{ gridTemplateColumns: template, minWidth }}>
        {result.meta.map((c) => (
          <div key={c.name} className={`tcell${isNumeric(c.type) ? ' right' : ''}`} role="columnheader" title={c.type}>{c.name}</div>
        ))}
      </div>
      <div className="tbody" style={{ height: rows.getTotalSize(), position: 'relative', minWidth }}>
        {rows.getVirtualItems().map((item) => {
          const row = result.data[item.index]!;
          return (
            <div key={item.key} className="trow" role="row" aria-rowindex={item.index + 2}
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, cursor: 'default' }}>
              {result.meta.map((c) => {
                const text = cellText(row[c.name]);
                return <div key={c.name} className={`tcell${isNumeric(c.type) ? ' right num' : ''}${text === 'NULL' ? ' faint' : ''}`} role="cell" title={text}>{text}</div>;
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
