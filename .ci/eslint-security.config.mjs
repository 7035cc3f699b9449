// ESLint for the dogfood SAST scan (.ci/dogfood.sh): the project's own config plus eslint-plugin-security's
// recommended rules. The project's `npm run lint` keeps using eslint.config.mjs unchanged.
import security from "eslint-plugin-security";
import project from "../eslint.config.mjs";

export default [...project, security.configs.recommended];
