// GitHub Actions expressions (`${{ … }}`): which ones carry text an outsider controls. Pure.

/** Every `${{ … }}` in a text, with its inner expression trimmed. */
export function expressionsIn(text: string): { raw: string; expr: string; index: number }[] {
  const out: { raw: string; expr: string; index: number }[] = [];
  const re = /\$\{\{([\s\S]*?)\}\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push({ raw: m[0], expr: m[1]!.trim(), index: m.index });
  return out;
}

/**
 * Contexts whose value an outsider (anyone who can open an issue, comment, fork or name a branch) chooses.
 * From GitHub Security Lab's list of untrusted input, and zizmor's template-injection audit.
 */
const UNTRUSTED: RegExp[] = [
  /\bgithub\.event\.(issue|pull_request|discussion)\.(title|body)\b/,
  /\bgithub\.event\.(comment|review|review_comment)\.body\b/,
  /\bgithub\.event\.pages(\[[^\]]*\]|\.\*)?\.page_name\b/,
  /\bgithub\.event\.commits(\[[^\]]*\]|\.\*)?\.(message|author\.(email|name)|committer\.(email|name))\b/,
  /\bgithub\.event\.head_commit\.(message|author\.(email|name)|committer\.(email|name))\b/,
  /\bgithub\.event\.pull_request\.head\.(ref|label|repo\.default_branch)\b/,
  /\bgithub\.head_ref\b/,
  /\bgithub\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)|committer\.(email|name)))\b/,
  /\bgithub\.event\.workflow_run\.pull_requests(\[[^\]]*\]|\.\*)?\.head\.ref\b/,
  /\bgithub\.event\.merge_group\.head_commit\.message\b/,
  /\bgithub\.event\.check_suite\.head_branch\b/,
  /\btoJSON\(\s*github\.event(\.(issue|pull_request|comment|review|review_comment|discussion|head_commit|commits|workflow_run))?\s*\)/i,
];

/** Refs a pusher names: needs write access, so reported at low severity (a pattern, not an open door). */
const LOW_TRUST: RegExp[] = [/\bgithub\.ref_name\b/, /\bgithub\.event\.(ref|base_ref)\b/];

const matchesOf = (list: RegExp[], expr: string): string[] =>
  list.map((re) => re.exec(expr)?.[0]).filter((m): m is string => m !== undefined);

/** The untrusted contexts an expression reads, or an empty list. */
export const untrustedIn = (expr: string): string[] => matchesOf(UNTRUSTED, expr);

export const lowTrustIn = (expr: string): string[] => matchesOf(LOW_TRUST, expr);

/** `env.NAME` references in an expression. */
export function envRefs(expr: string): string[] {
  return [...expr.matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)\b/g)].map((m) => m[1]!);
}

/** `steps.X.outputs.Y` / `needs.X.outputs.Y`: values computed earlier, maybe from untrusted input. */
export function outputRefs(expr: string): string[] {
  return [...expr.matchAll(/\b(steps|needs)\.[A-Za-z0-9_-]+\.outputs\.[A-Za-z0-9_-]+/g)].map((m) => m[0]);
}

/** `inputs.X` (a composite action's or reusable workflow's inputs). */
export function inputRefs(expr: string): string[] {
  return [...expr.matchAll(/\b(?:github\.event\.)?inputs\.([A-Za-z0-9_-]+)/g)].map((m) => m[0]);
}

/** `secrets.X` (and `github.token`) references. */
export function secretRefs(expr: string): string[] {
  const out = [...expr.matchAll(/\bsecrets\.([A-Za-z0-9_]+)|\bsecrets\[['"]([A-Za-z0-9_]+)['"]\]/g)].map((m) => m[1] ?? m[2]!);
  if (/\bgithub\.token\b/.test(expr)) out.push("GITHUB_TOKEN");
  if (/\btoJSON\(\s*secrets\s*\)/i.test(expr)) out.push("*");
  return out;
}
