/**
 * The network's files in TF.js layers format (`model.json` + one `weights.bin`), read from a
 * directory or an http(s) base URL, written to a directory. TF.js' own `file://` handler needs
 * tfjs-node, so this is a small IOHandler of our own built on `tf.io.withSaveHandler` / `fromMemory`.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from './errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** The network as bytes and JSON, independent of any backend: what is hashed, saved and loaded. */
export interface NetworkArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format: string;
  generatedBy: string;
  convertedBy: string | null;
}

/** Where a saved pipeline's files come from. */
export interface FileSource {
  /** For messages: the directory or URL. */
  location: string;
  readText(name: string): Promise<string>;
  readBytes(name: string): Promise<Uint8Array>;
}

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

export function sourceFor(location: string): FileSource {
  return isHttpUrl(location) ? httpSource(location) : directorySource(location);
}

export function directorySource(dir: string): FileSource {
  return {
    location: dir,
    readText: async (name) => readFile(join(dir, safeName(name, dir)), 'utf8'),
    readBytes: async (name) => new Uint8Array(await readFile(join(dir, safeName(name, dir)))),
  };
}

export function httpSource(baseUrl: string): FileSource {
  // A trailing slash makes relative names resolve inside the "directory", not beside it.
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const get = async (name: string): Promise<Response> => {
    const url = new URL(safeName(name, base), base).href;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return response;
  };
  return {
    location: base,
    readText: async (name) => (await get(name)).text(),
    readBytes: async (name) => new Uint8Array(await (await get(name)).arrayBuffer()),
  };
}

/** Names inside a pipeline come from files we may not have written: keep them inside the directory. */
function safeName(name: string, location: string): string {
  if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw new ModelError('WEIR_MODEL_FORMAT', `refusing file name "${name}" in ${location}: only plain names are allowed`);
  }
  return name;
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function parseModelJson(text: string, location: string): ModelJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelError('WEIR_MODEL_FORMAT', `${MODEL_JSON} in ${location} is not JSON`, { cause: err });
  }
  const candidate = parsed as Partial<ModelJson> | null;
  const manifestOk =
    Array.isArray(candidate?.weightsManifest) &&
    candidate.weightsManifest.every((group) => Array.isArray(group.paths) && Array.isArray(group.weights));
  if (typeof candidate?.modelTopology !== 'object' || candidate.modelTopology === null || !manifestOk) {
    throw new ModelError('WEIR_MODEL_FORMAT', `${MODEL_JSON} in ${location} is not a TF.js layers model`);
  }
  return candidate as ModelJson;
}

export async function readNetworkArtifacts(source: FileSource): Promise<NetworkArtifacts> {
  const json = parseModelJson(await source.readText(MODEL_JSON), source.location);
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) parts.push(await source.readBytes(path));
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: concatBytes(parts),
    format: json.format ?? 'layers-model',
    generatedBy: json.generatedBy ?? 'unknown',
    convertedBy: json.convertedBy ?? null,
  };
}

/** Writes weights first and `model.json` last (each via rename), so a reader never sees JSON pointing at missing bytes. */
export async function writeNetworkArtifacts(dir: string, artifacts: NetworkArtifacts): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, WEIGHTS_BIN), new Uint8Array(artifacts.weightData));
  const modelJson: ModelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  await writeAtomically(join(dir, MODEL_JSON), JSON.stringify(modelJson));
}

export async function writeAtomically(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

/** Captures a live model's topology and weights through TF.js' save path, without touching disk. */
export async function networkArtifactsOf(model: tf.LayersModel): Promise<NetworkArtifacts> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const artifacts = captured as tf.io.ModelArtifacts | null;
  if (artifacts === null || artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new ModelError('WEIR_MODEL_FORMAT', 'TF.js did not hand over a JSON model topology');
  }
  return {
    modelTopology: artifacts.modelTopology,
    weightSpecs: artifacts.weightSpecs ?? [],
    weightData: joinWeightData(artifacts.weightData),
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
  };
}

/** Builds a live model from artifacts (on the active backend). */
export async function modelFromArtifacts(artifacts: NetworkArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs,
      weightData: artifacts.weightData,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
    }),
  );
}

/**
 * A TF.js IOHandler over a directory, for `model.save(fileSystemIO(dir))` and
 * `tf.loadLayersModel(fileSystemIO(dir))` — the `file://` scheme without tfjs-node.
 */
export function fileSystemIO(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelError('WEIR_MODEL_FORMAT', 'only JSON model topologies can be saved');
      }
      await writeNetworkArtifacts(dir, {
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: joinWeightData(artifacts.weightData),
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'unknown',
        convertedBy: artifacts.convertedBy ?? null,
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    load: async () => {
      const artifacts = await readNetworkArtifacts(directorySource(dir));
      return { ...artifacts, convertedBy: artifacts.convertedBy ?? undefined };
    },
  };
}

function joinWeightData(data: tf.io.ModelArtifacts['weightData']): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (Array.isArray(data)) return concatBytes(data.map((part) => new Uint8Array(part)));
  return data;
}

function concatBytes(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}
