"use client";
import { useActionState } from "react";
import type { FormState } from "@/server/auth/forms";
import { signInAction } from "../actions";
import { Field, FormMessage, SubmitButton } from "./form-controls";

export function SignInForm({ next, notice, email }: { next: string; notice?: string; email?: string }) {
  const [state, action] = useActionState(signInAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-5" noValidate aria-label="Sign in">
      <FormMessage error={state.error} notice={state.error ? undefined : notice} state={state} />
      <input type="hidden" name="next" value={next} />
      <Field
        name="email"
        label="Email"
        type="email"
        autoComplete="username"
        required
        defaultValue={state.values?.email ?? email ?? ""}
        error={errors.email}
      />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required error={errors.password} />
      <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
    </form>
  );
}
