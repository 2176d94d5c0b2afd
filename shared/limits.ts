export const limits = {
  nameMax: 200,
  textMax: 500,
  notesMax: 20_000,
  labelMax: 40,
  labeledEntriesMax: 20,
  phoneMax: 64,
  pageSizeMax: 500,
  pageSizeDefault: 50,
  passwordMin: 10,
  passwordMax: 200,
} as const;
