import { prepSelectActivity } from "./activity";

export const impl = prepSelectActivity;
