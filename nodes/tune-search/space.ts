import { z } from "zod";

/** One searched param: a numeric range (on a log scale if asked, whole numbers if asked) or a list of values. */
export const searchDimension = z.union([
  z
    .object({
      min: z.number(),
      max: z.number(),
      log: z.boolean().default(false),
      int: z.boolean().default(false),
    })
    .strict()
    .refine((d) => d.max >= d.min, { message: "max must be at least min" })
    .refine((d) => !d.log || d.min > 0, { message: "a log range needs min > 0" }),
  z.object({ values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) }).strict(),
]);
export type SearchDimension = z.infer<typeof searchDimension>;
export const searchSpace = z.record(z.string().min(1), searchDimension);
export type SearchSpace = z.infer<typeof searchSpace>;
