// `validate <bundle>`: the command around validateBundle; exit 0 only when every check holds.

import { describeProblem } from '../bundle/index.ts';
import { InputError } from '../errors.ts';
import { openInputStream } from '../io/files/read-input.ts';
import { toJson } from '../io/term/render.ts';
import type { StdStreams } from '../io/term/streams.ts';
import type { BundleCommandOptions } from './options.ts';
import { formatValidateResult, validateBundle } from './validate.ts';

export async function runValidate(options: BundleCommandOptions, streams: StdStreams): Promise<void> {
  const { stream, source } = await openInputStream(options.filename, streams);
  const result = await validateBundle(stream, source);
  streams.stdout.write(options.output === 'json' ? toJson(result) : formatValidateResult(result, source));
  if (!result.ok) {
    const count = result.problems.length;
    throw new InputError(
      `${source}: invalid bundle (${count} problem${count === 1 ? '' : 's'}): ${describeProblem(result.problems[0]!, source)}`,
    );
  }
}
