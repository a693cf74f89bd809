import { MembersView } from "@/components/people/members-view";

export default function MembersPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Members</h1>
      <MembersView />
    </div>
  );
}
