import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter, Route, Routes } from "react-router";
import { LiveNotifications } from "./live";
import { AdminPage } from "./pages/admin";
import { AnalyticsPage, ResultPage } from "./pages/analytics";
import { InvitationPage, SignInPage, SignUpPage, VerifyEmailPage } from "./pages/auth";
import { CampaignPage, CampaignsPage, IdeaPage } from "./pages/campaigns";
import { InboxPage } from "./pages/inbox";
import { ManagePage } from "./pages/manage";
import { SearchPage } from "./pages/search";
import { SubmitPage } from "./pages/submit";
import "./style.css";
import { Layout, MeProvider, Notice, Page, SignedIn } from "./ui";

// Every path here must also be routed to the web app by the gateway (gateway/generate.py WEB_PATHS, WEB_PREFIXES).
const signedIn: [string, React.ReactNode][] = [
  ["/", <CampaignsPage />],
  ["/c/:campaignId", <CampaignPage />],
  ["/c/:campaignId/submit", <SubmitPage />],
  ["/c/:campaignId/manage", <ManagePage />],
  ["/c/:campaignId/analytics", <AnalyticsPage />],
  ["/c/:campaignId/result", <ResultPage />],
  ["/i/:ideaId", <IdeaPage />],
  ["/inbox", <InboxPage />],
  ["/search", <SearchPage />],
  ["/admin", <AdminPage />],
  ["/invitations/:token", <InvitationPage />],
];

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BrowserRouter>
      <MeProvider>
        <LiveNotifications>
          <Layout>
            <Routes>
              {signedIn.map(([path, page]) => <Route key={path} path={path} element={<SignedIn>{page}</SignedIn>} />)}
              <Route path="/signin" element={<SignInPage />} />
              <Route path="/signup" element={<SignUpPage />} />
              <Route path="/verify-email" element={<VerifyEmailPage />} />
              <Route path="*" element={<Page title="Page not found"><Notice>There is no such page.</Notice></Page>} />
            </Routes>
          </Layout>
        </LiveNotifications>
      </MeProvider>
    </BrowserRouter>
  </StrictMode>,
);
