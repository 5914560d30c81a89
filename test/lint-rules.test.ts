/**
 * The import lint (.dependency-cruiser.cjs: the rules of DESIGN.md §2) catches what it is for.
 * Every rule has a fixture, test/lint-fixtures/<rule>/src/…, that breaks it: run with the
 * project's config, the lint reports that rule there and no other. A tree that uses every import
 * the rules permit (test/lint-fixtures/allowed) passes. The real src breaks no rule but the
 * exceptions the config lists — and each of those is still needed (a stale one fails here).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ICruiseResult, type IViolation, cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const FIXTURES = join(ROOT, 'test', 'lint-fixtures');
const ALLOWED = 'allowed';

const options = await extractDepcruiseOptions(CONFIG);
const tsConfig = extractTSConfig(join(ROOT, 'tsconfig.json'));
const rules = (options.ruleSet?.forbidden ?? []).map((rule) => rule.name!);
const known = options.knownViolations ?? [];

/** The lint on `<baseDir>/src`, as `npm run lint` runs it: every violation, known ones included. */
async function lint(baseDir: string): Promise<IViolation[]> {
  const result = await cruise(['src'], { ...options, baseDir, outputType: 'json' }, {}, { tsConfig });
  const output = (typeof result.output === 'string' ? JSON.parse(result.output) : result.output) as ICruiseResult;
  return output.summary.violations;
}

const edge = (v: { from: string; to: string; rule: { name: string } }) => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('the import lint', () => {
  it('runs in `npm run lint` with this config', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    assert.match(scripts.lint ?? '', /depcruise src --config \.dependency-cruiser\.cjs/);
  });

  it('has one fixture per rule, each named after its rule', () => {
    const fixtures = readdirSync(FIXTURES).filter((name) => name !== ALLOWED);
    assert.deepEqual(fixtures.sort(), [...rules].sort());
    assert.equal(new Set(rules).size, rules.length, 'rule names are unique');
  });

  for (const rule of rules) {
    it(`${rule}: its fixture breaks it, and no other rule`, async () => {
      const violations = await lint(join(FIXTURES, rule));
      assert.ok(violations.length > 0, `the fixture of ${rule} passed the lint`);
      assert.deepEqual(
        violations.filter((v) => v.rule.name !== rule || v.rule.severity !== 'error').map(edge),
        [],
        `only ${rule} (as an error) is reported`,
      );
    });
  }

  it('passes a tree that uses every import the rules permit', async () => {
    assert.deepEqual((await lint(join(FIXTURES, ALLOWED))).map(edge), []);
  });

  it('finds no violation in src but the listed exceptions, each of which is still needed', async () => {
    const violations = await lint(ROOT);
    assert.deepEqual(violations.filter((v) => v.rule.severity !== 'ignore').map(edge), []);
    assert.deepEqual(
      violations
        .filter((v) => v.rule.severity === 'ignore')
        .map(edge)
        .sort(),
      known.map((k) => edge({ from: k.from, to: k.to ?? '', rule: k.rule })).sort(),
      'an exception no import needs any more must be deleted from .dependency-cruiser.cjs',
    );
  });
});
