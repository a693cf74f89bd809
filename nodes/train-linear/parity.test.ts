import { describeParity, sklearnFloors } from "../sdk/testing/parity";
import { trainLinearActivity } from "./activity";

describeParity("linear regression", trainLinearActivity.trainer!, {
  params: { alpha: 1 },
  scaled: true,
  floors: sklearnFloors("linear", ["diabetes"]),
});
