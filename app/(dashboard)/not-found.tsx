import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-xl font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-slate-600">It does not exist, or it belongs to a team you are not a member of.</p>
      <p className="mt-4">
        <Link href="/services" className="text-brand-700 underline">
          See your services
        </Link>
      </p>
    </div>
  );
}
