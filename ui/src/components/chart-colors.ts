/** Series colors in order; the last-resort "other" series is grey. */
export const SERIES_COLORS = ['#6366f1', '#06b6d4', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#f97316', '#84cc16'];
export const OTHER_COLOR = '#94a3b8';
