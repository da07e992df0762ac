// Periscope's own lint rules, shared by the root and ui ESLint configs.
import packageBoundaries from './package-boundaries.js';

export const periscopePlugin = { rules: { 'package-boundaries': packageBoundaries } };
