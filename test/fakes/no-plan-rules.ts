/** Plan-rule facts of an empty plan under no rules: what a gate fact needs when a test is about something else. */
export const NO_PLAN_RULES = {
  content: {
    empty: true,
    counts: { create: 0, update: 0, delete: 0, replace: 0, read: 0, forget: 0 },
    changes: 0,
    destroys: [],
    replaces: [],
    moves: [],
    types: [],
    attributes: {},
    onlyTags: false,
    outputs: [],
    destroyPlan: false,
  },
  rules: { protect: [], owners: [] },
};
