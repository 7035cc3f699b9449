import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { PASSWORD_MIN } from "@/server/auth/password";
import { currentUser } from "@/server/auth/current-user";
import { AuthCard } from "../_components/auth-card";
import { ChangePasswordForm } from "../_components/change-password-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await currentUser();
  if (!user) redirect("/sign-in?callbackUrl=/account");
  const changed = !!(await searchParams).password_changed;
  return (
    <AuthCard title="Your account">
      <dl className="grid grid-cols-3 gap-x-4 gap-y-2 text-sm">
        <dt className="text-slate-500">Name</dt>
        <dd className="col-span-2 text-slate-900">{user.name ?? "—"}</dd>
        <dt className="text-slate-500">Email</dt>
        <dd className="col-span-2 text-slate-900" data-testid="account-email">
          {user.email}
        </dd>
        <dt className="text-slate-500">Role</dt>
        <dd className="col-span-2 text-slate-900 capitalize" data-testid="account-role">
          {user.role}
        </dd>
      </dl>
      <h2 className="mt-8 mb-4 text-lg font-semibold text-slate-900">Change your password</h2>
      <ChangePasswordForm
        minLength={PASSWORD_MIN}
        notice={changed ? "Your password has changed. Other sessions were signed out." : undefined}
      />
      <div className="mt-8 flex justify-between text-sm">
        <Link
          href="/"
          className="font-medium text-brand-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          Back to Gatehouse
        </Link>
        <Link
          href="/sign-out"
          className="font-medium text-slate-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-brand-600"
        >
          Sign out
        </Link>
      </div>
    </AuthCard>
  );
}
