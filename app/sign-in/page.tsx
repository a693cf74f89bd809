import { Suspense } from "react";
import { SignInForm } from "@/components/people/sign-in-form";

export default function SignInPage() {
  return (
    <div className="mx-auto max-w-sm space-y-6 pt-12">
      <h1 className="text-xl font-semibold">Sign in to Flowforge</h1>
      <Suspense>
        <SignInForm />
      </Suspense>
      <p className="text-xs text-slate-500">
        No account? An admin of your workspace adds people on the Members page.
      </p>
    </div>
  );
}
