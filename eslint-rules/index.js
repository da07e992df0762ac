// Periscope's own lint rules, shared by the root and ui ESLint configs.
import noPropertiesAfterLeadingSpread from './no-properties-after-leading-spread.js';
import packageBoundaries from './package-boundaries.js';

export const periscopePlugin = { rules: { 'package-boundaries': packageBoundaries, 'no-properties-after-leading-spread': noPropertiesAfterLeadingSpread } };
