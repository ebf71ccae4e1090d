import type { Admin } from 'kafkajs';

/** The Flagstaff sink's consumer group when none is configured (src/analytics/sink/sink.ts). */
export const SINK_GROUP = 'flagstaff-analytics-sink';

/** Records written to `topics` and not yet committed by `groupId`: what is waiting in Kafka. */
export async function kafkaBacklog(admin: Admin, groupId: string, topics: readonly string[]): Promise<{ written: number; committed: number; backlog: number }> {
  const [ends, committed] = await Promise.all([
    Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic))),
    admin.fetchOffsets({ groupId, topics: [...topics] }),
  ]);
  let written = 0;
  for (const partitions of ends) for (const p of partitions) written += Number(p.high) - Number(p.low);
  let done = 0;
  for (const topic of committed) for (const p of topic.partitions) done += Math.max(0, Number(p.offset));
  return { written, committed: done, backlog: written - done };
}

/** Members of the sink's group right now: another Flagstaff on this broker shares it and can take our partitions. */
export async function groupMembers(admin: Admin, groupId: string): Promise<number> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]?.members.length ?? 0;
}
