/**
 * What slices other than the write side may ask about flags and environments (the experiments slice checks
 * that an experiment's flag and variants exist). The write model implements it.
 */
export interface FlagCatalog {
  refresh(): Promise<void>;
  /** The variant names of a live flag; undefined when the flag does not exist or is archived. */
  flagVariants(flagKey: string): readonly string[] | undefined;
  environmentExists(key: string): boolean;
  /** True for a segment that exists and is not archived. */
  segmentExists(key: string): boolean;
}
