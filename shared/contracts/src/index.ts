export * from './records.js';
export * from './topics.js';
export * from './schemas.js';
