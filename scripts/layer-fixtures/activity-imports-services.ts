import { openConnection } from "../../server/services/connections";

export const open = openConnection;
