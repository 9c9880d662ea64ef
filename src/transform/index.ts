// The transform's public API: the engine, its options and report, the rules, and the helpers restore needs.

export { transform, type TransformResult } from './engine.ts';
export {
  DEFAULT_TRANSFORM_OPTIONS,
  IDENTITY_MODES,
  RUN_STRATEGIES,
  TRANSFORM_OPTIONS,
  TRANSFORM_OPTIONS_SCHEMA_ID,
  checkOptionValue,
  resolveTransformOptions,
  transformOption,
  transformOptionsSchema,
  type IdentityMode,
  type RunStrategy,
  type TransformOption,
  type TransformOptionKey,
  type TransformOptions,
  type TransformOptionsInput,
} from './options.ts';
export { defineOption, type FlagArgument, type OptionDeclaration, type OptionFlag } from './option.ts';
export {
  REPORT_API_VERSION,
  REPORT_KIND,
  macMapOf,
  validateReport,
  type ReportChange,
  type ReportDropped,
  type ReportWarning,
  type TransformReport,
} from './report.ts';
export { validateMacMap } from './mac-map.ts';
export { defineRule, type Op, type Rule, type RuleContext, type RuleFunction, type RuleResult } from './rule.ts';
export { RULE_NAMES, RULES } from './rules/index.ts';
export { identitiesOf, type Identities, type IdentityUse } from './identities.ts';
