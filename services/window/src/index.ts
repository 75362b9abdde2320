/** The window service's settings, for tools that must build baselines exactly as it does (`weir replay`). */
export { loadWindowConfig, type WindowConfig } from './config.js';
