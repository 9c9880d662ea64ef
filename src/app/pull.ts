// `pull`: writes a bundle from `oci://HOST/REPOSITORY:TAG` to a file or stdout, byte for byte the tar that was pushed.

import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { openOutput } from '../io/files/output.ts';
import { isOciLocation } from '../io/oci/reference.ts';
import type { StdStreams } from '../io/term/streams.ts';
import type { PullCommandOptions } from './options.ts';

/**
 * Streams the rebuilt tar to the output: each blob is verified against its digest before its bytes are written,
 * and the whole tar against the sha256 the image index records; a file output is renamed into place only then.
 */
export async function runPull(options: PullCommandOptions, streams: StdStreams): Promise<void> {
  if (!isOciLocation(options.source)) throw new UsageError(`${options.source}: pull reads oci://HOST/REPOSITORY:TAG (a file is already a bundle)`);
  const { stream } = await openInputStream(options.source, streams);
  const output = await openOutput(options.outputFile, streams, { binary: true });
  try {
    await pipeline(stream, output.stream, { end: options.outputFile !== '-' });
    await output.commit();
  } catch (error) {
    stream.destroy();
    await output.abort();
    throw error;
  }
}
