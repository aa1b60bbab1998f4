/** The built dashboard (index.html and assets/), which `switchboard serve` serves at /dashboard. */
export declare const dashboardDir: string;
