/** The sessionize service's settings, for tools that must cut sessions exactly as it does (`weir replay`). */
export { loadSessionizeConfig, type SessionizeConfig } from './config.js';
