import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeploymentId } from '../../core/ids.js';
import { deploymentOfClientOrderId, makeBlockOrderId, makeClientOrderId } from './client-order-id.js';

describe('client order ids', () => {
  it("fit Alpaca's 48 characters for the longest deployment id, and name the deployment", () => {
    const longest = 'a'.repeat(32) as DeploymentId;
    const id = makeClientOrderId(longest, Date.UTC(2058, 11, 31), 2 ** 40 - 1);
    assert.ok(id.length <= 48, `${id} has ${id.length} characters`);
    assert.equal(deploymentOfClientOrderId(id), longest);
  });

  it('are unique per millisecond and random part, and round-trip the deployment', () => {
    const a = makeClientOrderId('momentum' as DeploymentId, 1_736_000_000_000, 12345);
    const b = makeClientOrderId('momentum' as DeploymentId, 1_736_000_000_000, 12346);
    assert.notEqual(a, b);
    assert.equal(deploymentOfClientOrderId(a), 'momentum');
    assert.equal(deploymentOfClientOrderId('manual-order-1'), undefined);
    assert.equal(deploymentOfClientOrderId(makeBlockOrderId(1_736_000_000_000, 1)), undefined);
  });
});
