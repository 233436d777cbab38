/** The library's filter tabs, in order, and its addresses. Shared by the page and its parts. */
export const TABS = [
  { filter: "all", label: "All" },
  { filter: "active", label: "In progress" },
  { filter: "completed", label: "Ready" },
  { filter: "failed", label: "Failed" },
  { filter: "expired", label: "Expired" },
] as const;

/** The library's query string for a filter and, for "Load more", a cursor. */
export const queryFor = (filter: string, cursor?: string | null) =>
  [
    filter !== "all" && `status=${encodeURIComponent(filter)}`,
    cursor && `cursor=${encodeURIComponent(cursor)}`,
  ]
    .filter(Boolean)
    .join("&");

export const libraryPath = (filter: string, cursor?: string | null): `/?${string}` | "/" => {
  const query = queryFor(filter, cursor);
  return query ? `/?${query}` : "/";
};
