import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/server/auth/current-user";
import { signOutAction } from "../actions";
import { AuthCard } from "../_components/auth-card";
import { SubmitButton } from "../_components/form-controls";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign out" };

export default async function SignOutPage() {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return (
    <AuthCard
      title="Sign out"
      intro={
        <>
          You are signed in as <strong className="font-semibold text-slate-900">{user.email}</strong>.
        </>
      }
    >
      <form action={signOutAction} className="space-y-4">
        <SubmitButton pendingText="Signing out…">Sign out</SubmitButton>
      </form>
      <p className="mt-4 text-center text-sm">
        <Link
          href="/"
          className="font-medium text-brand-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          Stay signed in
        </Link>
      </p>
    </AuthCard>
  );
}
