"use client";
import { useActionState } from "react";
import type { FormState } from "@/server/auth/forms";
import { setupAction } from "../actions";
import { Field, FormMessage, SubmitButton } from "./form-controls";

export function SetupForm({ token, email, minLength }: { token: string; email: string | null; minLength: number }) {
  const [state, action] = useActionState(setupAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-5" noValidate aria-label="Create your account">
      <FormMessage error={state.error} state={state} />
      <input type="hidden" name="token" value={token} />
      {email ? (
        <div>
          <p className="block text-sm font-medium text-slate-800">Email</p>
          <p className="mt-1 text-slate-900" data-testid="setup-email">
            {email}
          </p>
        </div>
      ) : (
        <Field
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          defaultValue={state.values?.email ?? ""}
          error={errors.email}
        />
      )}
      <Field
        name="name"
        label="Your name"
        autoComplete="name"
        required
        defaultValue={state.values?.name ?? ""}
        error={errors.name}
      />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        minLength={minLength}
        hint={`At least ${minLength} characters. A passphrase of a few unrelated words works well.`}
        error={errors.password}
      />
      <Field
        name="confirm"
        label="Repeat the password"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirm}
      />
      <SubmitButton pendingText="Creating your account…">Create account</SubmitButton>
    </form>
  );
}
