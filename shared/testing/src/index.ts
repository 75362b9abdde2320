export {
  REPO_ROOT,
  deleteTopics,
  kafkaBus,
  produceEvents,
  requireServers,
  simulatedEvents,
  stageStarted,
  startService,
  tailTopic,
  terminate,
  waitFor,
  waitForProgress,
  cpuTicks,
  type ServiceProcess,
  type SimulatedEvents,
  type TopicTail,
} from './services.js';
export {
  STAGES,
  closedSessions,
  detectionQuality,
  esFinalScores,
  finalScores,
  newRun,
  postAll,
  settled,
  startPipeline,
  type PipelineOptions,
  type PipelineRun,
  type StageName,
} from './pipeline.js';
export { startCpuHog, type CpuHog } from './cpu-hog.js';
export { parsedEvents, parsedTraffic, type ParsedTrafficOptions } from './simulated-traffic.js';
