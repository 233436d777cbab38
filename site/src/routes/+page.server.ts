import { checkHealth } from "../../../core/health";
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async () => ({ health: await checkHealth() });
