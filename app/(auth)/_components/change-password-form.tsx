"use client";
import { useActionState } from "react";
import type { FormState } from "@/server/auth/forms";
import { changePasswordAction } from "../actions";
import { Field, FormMessage, SubmitButton } from "./form-controls";

export function ChangePasswordForm({ minLength, notice }: { minLength: number; notice?: string }) {
  const [state, action] = useActionState(changePasswordAction, {} as FormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} className="space-y-5" noValidate aria-label="Change your password">
      <FormMessage error={state.error} notice={state.error ? undefined : notice} state={state} />
      <Field
        name="currentPassword"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        error={errors.currentPassword}
      />
      <Field
        name="newPassword"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={minLength}
        hint={`At least ${minLength} characters. Your other sessions will be signed out.`}
        error={errors.newPassword}
      />
      <Field
        name="confirm"
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        required
        error={errors.confirm}
      />
      <SubmitButton pendingText="Changing your password…">Change password</SubmitButton>
    </form>
  );
}
