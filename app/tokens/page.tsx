import { TokensView } from "@/components/people/tokens-view";

export default function TokensPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">API tokens</h1>
      <TokensView />
    </div>
  );
}
