import { getDb } from "../../server/db/client";

export const db = getDb;
