"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { ConfirmButton, ErrorText } from "./controls";
import { useTRPC } from "@/components/trpc/provider";

export function RemoveMember({ team, email }: { team: string; email: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const remove = useMutation(trpc.teams.removeMember.mutationOptions({ onSuccess: () => router.refresh() }));
  return (
    <div className="space-y-1">
      <ConfirmButton
        label="Remove"
        confirmLabel="Remove from team"
        question={`Remove ${email}? They stop seeing this team's services.`}
        busy={remove.isPending}
        onConfirm={() => remove.mutate({ team, email })}
      />
      <ErrorText message={remove.error?.message} />
    </div>
  );
}
