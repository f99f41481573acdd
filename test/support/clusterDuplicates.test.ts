/**
 * The cluster test's QoS 2 duplicate verdict (R283), on node lines taken from a failing run of
 * test/integration/cluster.redis.test.ts (8 kills, load ~11): what the client could not tell from
 * a new message is the cluster's; a re-send under the same id on a later connection stays the
 * client's.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterLine } from './cluster.js';
import { judgeRun } from './clusterEvidence.js';

const lines = (texts: readonly string[]): ClusterLine[] => texts.map((text) => ({ node: 0, run: 0, text }));
const judge = (texts: readonly string[], delivered: [string, number][]) =>
  judgeRun({
    acked: delivered.map(([p]) => p),
    failed: [],
    delivered: new Map(delivered),
    arrived: delivered.map(([p]) => p),
    subscriber: 'cl-sub',
    lines: lines(texts),
  });

describe("QoS 2 duplicates: the client's or the cluster's (R283)", () => {
  it("R283: the same id again on the connection where the subscriber completed it is the cluster's", () => {
    const v = judge(
      [
        'conn n0.2.2 cl-sub 0',
        'out n0.2.2 publish 61964 2 0 q2-2371',
        'in n0.2.2 pubrec 61964',
        'out n0.2.2 pubrel 61964',
        'in n0.2.2 pubcomp 61964',
        'out n0.2.2 publish 61964 2 0 q2-2371',
      ],
      [['q2-2371', 2]],
    );
    expect(v.qos2Duplicates).toEqual([]);
    expect([...v.qos2ClusterDuplicates]).toEqual([['q2-2371', 'resent-after-pubcomp']]);
  });

  it("R283: the same id on a later connection is the client's to absorb (R211, R213), even after the id served another message", () => {
    const v = judge(
      [
        'conn n0.1.2 cl-sub 0',
        'out n0.1.2 publish 61698 2 0 q2-1219',
        'conn n0.2.2 cl-sub 0',
        'out n0.2.2 publish 61698 2 0 q2-2111',
        'in n0.2.2 pubcomp 61698',
        'out n0.2.2 publish 61698 2 0 q2-1219',
      ],
      [
        ['q2-1219', 2],
        ['q2-2111', 1],
      ],
    );
    expect(v.qos2Duplicates).toEqual(['q2-1219']);
    expect(v.qos2ClusterDuplicates.size).toBe(0);
  });

  it("R283: another id is a new message to the client; a third delivery of two sends stays the client's", () => {
    const sends = ['conn a.1 cl-sub 0', 'out a.1 publish 5 2 0 q2-9', 'out a.1 publish 6 2 0 q2-9'];
    expect([...judge(sends, [['q2-9', 2]]).qos2ClusterDuplicates]).toEqual([['q2-9', 'new-id']]);
    expect(judge(sends, [['q2-9', 3]]).qos2Duplicates).toEqual(['q2-9']);
  });

  it("R283: the same id on the same connection before its PUBCOMP stays the client's (R213)", () => {
    const v = judge(
      ['conn a.1 cl-sub 0', 'out a.1 publish 5 2 0 q2-9', 'in a.1 pubrec 5', 'out a.1 publish 5 2 1 q2-9'],
      [['q2-9', 2]],
    );
    expect(v.qos2Duplicates).toEqual(['q2-9']);
  });
});
