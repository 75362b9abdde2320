export { DashboardModel, type DashboardModelOptions } from './dashboard-model.js';
export { startDashboard, type DashboardServer, type DashboardServerOptions } from './server.js';
export type { DashboardSnapshot, SuspiciousSession, CustomerBaseline } from './snapshot.js';
export { RateMeter } from './rate-meter.js';
