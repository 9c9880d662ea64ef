// Every subcommand, in the order `--help` lists them: the pipeline first, then the offline tools.

import { completionCommand } from './completion.ts';
import { exportCommand } from './export.ts';
import { graphCommand } from './graph.ts';
import { inspectCommand } from './inspect.ts';
import { mergeCommand } from './merge.ts';
import { pullCommand } from './pull.ts';
import { pushCommand } from './push.ts';
import { rbacCommand } from './rbac.ts';
import { restoreCommand } from './restore.ts';
import { transformCommand } from './transform.ts';
import { validateCommand } from './validate.ts';
import { versionCommand } from './version.ts';

export const commands = [
  exportCommand,
  transformCommand,
  restoreCommand,
  graphCommand,
  inspectCommand,
  pushCommand,
  pullCommand,
  validateCommand,
  mergeCommand,
  rbacCommand,
  versionCommand,
  completionCommand,
] as const;
