/**
 * What the audit page's actor field offers, from the actors seen: a token acts as `token:<name>#<id>`, and the
 * filter `token:<name>` finds every token of that name (names need not be unique), so the name is offered, not
 * the id; other actors (`bootstrap-admin`, `system`) as they are. Sorted, each once.
 */
export function actorChoices(actors: Iterable<string | null>): string[] {
  const choices = new Set<string>();
  for (const actor of actors) {
    if (!actor) continue;
    const token = /^(token:[^#]+)#/.exec(actor);
    choices.add(token ? token[1]! : actor);
  }
  return [...choices].sort();
}
