// A bundle written to `oci://…`: the writer's tar flows into a push, which uploads the blobs and tags the index last.

import { PassThrough } from 'node:stream';
import type { Output } from '../files/output.ts';
import type { RegistryOptions } from './client.ts';
import { pushBundle, type PushResult } from './push.ts';

/**
 * An Output whose stream is pushed as it is written: `commit` waits until the image index is tagged; `abort` stops
 * the push before any manifest is written (the blobs already sent are unreferenced and collected by the registry).
 */
export function openRegistryOutput(location: string, registry: RegistryOptions, onPushed?: (result: PushResult) => void): Output {
  const stream = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  const pushed = pushBundle(stream, location, { registry, source: location });
  // A failed push stops the writer (it would wait for a reader otherwise); commit throws the failure.
  pushed.catch((error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))));
  return {
    stream,
    async commit() {
      if (!stream.writableEnded) stream.end();
      const result = await pushed;
      onPushed?.(result);
    },
    async abort() {
      stream.destroy(new Error('bundle writing aborted'));
      await pushed.catch(() => {});
    },
  };
}
