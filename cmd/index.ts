// Every subcommand, in the order `--help` lists them.

import { graphCommand } from './graph.ts';
import { inspectCommand } from './inspect.ts';
import { transformCommand } from './transform.ts';
import { validateCommand } from './validate.ts';
import { versionCommand } from './version.ts';

export const commands = [graphCommand, transformCommand, inspectCommand, validateCommand, versionCommand] as const;
