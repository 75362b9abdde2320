/** Every failure of the infra scripts carries a code, so callers and tests can tell them apart. */
export type InfraErrorCode =
  | 'WEIR_INFRA_CONFIG'
  | 'WEIR_INFRA_COMMAND'
  | 'WEIR_INFRA_INSTALL'
  | 'WEIR_INFRA_JAVA'
  | 'WEIR_INFRA_PORT_BUSY'
  | 'WEIR_INFRA_START'
  | 'WEIR_INFRA_LOCK'
  | 'WEIR_INFRA_UNREACHABLE';

export type InfraError = Error & { code: InfraErrorCode };

export function infraError(code: InfraErrorCode, message: string): InfraError {
  return Object.assign(new Error(message), { code });
}

export function isInfraError(err: unknown): err is InfraError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}
