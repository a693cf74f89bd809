import { z } from "zod";

/** How a CSV or TSV file is laid out: the options an ingest form offers beside the format. */
export const csvParams = {
  delimiter: z.enum(["auto", ",", ";", "\t", "|"]).optional().meta({
    label: "Delimiter",
    help: "Between fields. Empty: a comma (CSV) or a tab (TSV); auto: guessed from the file.",
  }),
  quote: z
    .string()
    .max(1)
    .default('"')
    .meta({ label: "Quote", help: "Around fields that hold the delimiter." }),
  header: z
    .boolean()
    .default(true)
    .meta({ label: "Header row", help: "The first line names the columns." }),
  encoding: z.enum(["auto", "utf-8", "latin-1", "utf-16"]).default("auto").meta({
    label: "Encoding",
    help: "auto: UTF-16 when the file says so, else UTF-8, else Latin-1 (Windows-1252).",
  }),
  skipMalformed: z.boolean().default(false).meta({
    label: "Skip malformed rows",
    help: "Leave out rows that do not parse (the log counts them and shows the first few) instead of failing.",
  }),
};
