// The tool's own version, from package.json.

import packageJson from '../package.json' with { type: 'json' };

export const TOOL_NAME = 'kubectl-kvbackup';
export const TOOL_VERSION: string = packageJson.version;
