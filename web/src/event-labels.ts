/**
 * Event types in plain words for people reading a timeline or the audit feed: `FlagTargetingRolledBack` reads
 * "Targeting rolled back". The entity is shown beside the event wherever it appears, so labels need not repeat it
 * (but say it where the bare verb would be unclear). The raw type stays available (a tooltip, the audit filter).
 */
const EVENT_LABELS: Readonly<Record<string, string>> = {
  FlagCreated: 'Flag created',
  FlagDetailsChanged: 'Details changed',
  FlagTargetingChanged: 'Targeting changed',
  FlagToggled: 'Switched on or off',
  FlagArchived: 'Flag archived',
  FlagRestored: 'Flag restored',
  FlagRolledBack: 'Flag rolled back',
  FlagTargetingRolledBack: 'Targeting rolled back',
  FlagExperimentAttached: 'Experiment attached',
  FlagPrerequisiteClaimed: 'Named as a prerequisite',
  FlagUsageRecorded: 'Usage recorded',
  EnvironmentCreated: 'Environment created',
  EnvironmentChanged: 'Environment changed',
  SegmentCreated: 'Segment created',
  SegmentChanged: 'Segment changed',
  SegmentArchived: 'Segment archived',
  SegmentRestored: 'Segment restored',
  MetricDefined: 'Metric defined',
  MetricChanged: 'Metric changed',
  MetricArchived: 'Metric archived',
  ExperimentCreated: 'Experiment designed',
  ExperimentDesignChanged: 'Design changed',
  ExperimentStarted: 'Experiment started',
  ExperimentStopped: 'Experiment stopped',
  ExperimentRestarted: 'Experiment restarted',
  ExperimentConcluded: 'Experiment concluded',
  AdminTokenIssued: 'Admin token issued',
  AdminTokenRevoked: 'Admin token revoked',
  ApiKeyIssued: 'SDK key issued',
  ApiKeyRevoked: 'SDK key revoked',
};

/** The plain-words label of an event type; a type the table does not know yet is split at its capitals. */
export function eventLabel(type: string): string {
  return EVENT_LABELS[type] ?? splitCamelCase(type);
}

/** Every event type the table knows, with its label: the audit filter offers them. */
export function knownEventTypes(): readonly { type: string; label: string }[] {
  return Object.entries(EVENT_LABELS).map(([type, label]) => ({ type, label }));
}

/** `IdempotencyKeyClaimed` → "Idempotency key claimed"; acronyms stay whole (`SDKKeyIssued` → "SDK key issued"). */
export function splitCamelCase(type: string): string {
  const words = type.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g);
  if (!words) return type;
  const sentence = words.map((w, i) => (i > 0 && !isAcronym(w) ? w.toLowerCase() : w)).join(' ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const isAcronym = (word: string) => word.length > 1 && word === word.toUpperCase() && !/^\d+$/.test(word);
