import type { ReactNode } from 'react';

export interface SimpleColumn<T> {
  id: string;
  header: string;
  right?: boolean;
  cell: (row: T) => ReactNode;
}

interface Props<T> {
  label: string;
  columns: SimpleColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Rows are links: a click or Enter opens them. */
  onOpen: (row: T) => void;
  testId?: string;
}

/** A small, non-virtualised table for lists that stay short (sessions, users). */
export function SimpleTable<T>({ label, columns, rows, rowKey, onOpen, testId }: Props<T>) {
  return (
    <div style={{ overflow: 'auto' }}>
      <table className="simple" aria-label={label} data-testid={testId}>
        <thead>
          <tr>{columns.map((c) => <th key={c.id} scope="col" className={c.right ? 'right' : undefined}>{c.header}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)} tabIndex={0} onClick={() => onOpen(r)} onKeyDown={(e) => e.key === 'Enter' && onOpen(r)}>
              {columns.map((c) => <td key={c.id} className={c.right ? 'right num' : undefined}>{c.cell(r)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A value with a bar proportional to the largest in its column. */
export function BarValue({ value, max, children }: { value: number; max: number; children: ReactNode }) {
  return (
    <div className="bar-cell">
      <span>{children}</span>
      <div style={{ width: 64 }}><div className="bar" style={{ width: `${max > 0 ? Math.max(2, (value / max) * 100) : 0}%` }} /></div>
    </div>
  );
}
