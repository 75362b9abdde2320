/** The servers `pnpm infra:up` runs, in the order they are installed. */
import type { InfraConfig } from './config.js';
import { elasticsearchService } from './elasticsearch.js';
import { kafkaService } from './kafka.js';
import { registryService } from './registry.js';
import type { Service } from './service.js';

export function allServices(config: InfraConfig): Service[] {
  return [kafkaService(config), registryService(config), elasticsearchService(config)];
}
