import { useEffect, type ReactNode } from 'react';
import { useIsFetching } from '@tanstack/react-query';
import { RefreshControls, TimeRangePicker } from './time-controls.tsx';

/** Title, subtitle, and the time range and refresh controls every page shares. */
export function PageHeader({ title, subtitle, children, timeControls = true }: { title: ReactNode; subtitle?: ReactNode; children?: ReactNode; timeControls?: boolean }) {
  const fetching = useIsFetching() > 0;
  useEffect(() => {
    if (typeof title === 'string') document.title = `${title} · Periscope`;
  }, [title]);
  return (
    <header className="page-header">
      <div style={{ minWidth: 0 }}>
        <h1 className="page-title">{title}</h1>
        {subtitle && <div className="page-subtitle">{subtitle}</div>}
      </div>
      <div className="page-actions">
        {children}
        {timeControls && <TimeRangePicker />}
        {timeControls && <RefreshControls fetching={fetching} />}
      </div>
    </header>
  );
}
