/**
 * A realistic master services agreement of about ten pages, made by the tests (and the
 * benchmark) rather than stored, so each test can change one clause and see one finding flip.
 *
 * Against the standard playbook the default terms give: payment terms `deviation` (60 days,
 * the playbook allows 45), data protection `missing` (no data protection clause at all), and
 * every other rule `compliant`.
 */

export interface AgreementTerms {
  /** The jurisdiction of the governing-law clause, as it follows "the laws of". */
  governingLaw: string;
  paymentDays: number;
  liabilityCapMonths: number;
  confidentialityYears: number;
  nonSolicitationMonths: number;
  warrantyDays: number;
  convenienceNoticeDays: number;
  renewalOptOutDays: number;
  /** Whether a data protection clause with a DPA is present. */
  dataProtection: boolean;
  /** Whether the assignment clause lets the Provider assign freely. */
  freeAssignment: boolean;
  /** Whether only the Customer gives an indemnity. */
  oneSidedIndemnity: boolean;
  /** Whether the Provider keeps ownership of the deliverables. */
  providerOwnsDeliverables: boolean;
}

export const DEFAULT_TERMS: AgreementTerms = {
  governingLaw: "the State of New York",
  paymentDays: 60,
  liabilityCapMonths: 12,
  confidentialityYears: 5,
  nonSolicitationMonths: 12,
  warrantyDays: 90,
  convenienceNoticeDays: 30,
  renewalOptOutDays: 60,
  dataProtection: false,
  freeAssignment: false,
  oneSidedIndemnity: false,
  providerOwnsDeliverables: false,
};

/** The statuses the standard playbook gives the default agreement, by clause type. */
export const DEFAULT_EXPECTED: Record<string, "compliant" | "deviation" | "missing"> = {
  limitation_of_liability: "compliant",
  indemnification: "compliant",
  termination_for_convenience: "compliant",
  auto_renewal: "compliant",
  governing_law: "compliant",
  confidentiality: "compliant",
  payment_terms: "deviation",
  data_protection: "missing",
  assignment: "compliant",
  non_solicitation: "compliant",
  warranty: "compliant",
  ip_ownership: "compliant",
};

const WORDS: Record<number, string> = {
  3: "three",
  5: "five",
  6: "six",
  7: "seven",
  10: "ten",
  12: "twelve",
  14: "fourteen",
  15: "fifteen",
  18: "eighteen",
  20: "twenty",
  24: "twenty-four",
  30: "thirty",
  36: "thirty-six",
  45: "forty-five",
  60: "sixty",
  90: "ninety",
  120: "one hundred and twenty",
  180: "one hundred and eighty",
};

/** "thirty (30)", as contracts write numbers. */
function n(value: number): string {
  const word = WORDS[value];
  return word ? `${word} (${value})` : String(value);
}

export interface AgreementSection {
  heading: string;
  clauses: string[];
}

export interface Agreement {
  title: string;
  preamble: string[];
  sections: AgreementSection[];
  signature: string[];
}

export function servicesAgreement(overrides: Partial<AgreementTerms> = {}): Agreement {
  const t = { ...DEFAULT_TERMS, ...overrides };
  const sections: AgreementSection[] = [
    {
      heading: "DEFINITIONS",
      clauses: [
        "Definitions. In this Agreement, the following capitalised terms have the meanings given below, and other capitalised terms have the meanings given where they are first used.",
        "Affiliate means any entity that directly or indirectly controls, is controlled by, or is under common control with a party, where control means ownership of more than fifty percent of the voting interests of the entity.",
        "Deliverables means all reports, software, configurations, documentation and other materials that Provider creates specifically for Customer in the course of performing the Services, as identified in a Statement of Work.",
        "Services means the professional, implementation and support services described in Schedule 1 and in each Statement of Work agreed by the parties under this Agreement.",
        "Statement of Work means a document describing specific Services, Deliverables, milestones and fees, executed by authorised representatives of both parties and referencing this Agreement.",
        "Customer Materials means all data, content, trademarks and other materials that Customer or its Affiliates provide to Provider for use in performing the Services.",
      ],
    },
    {
      heading: "SERVICES",
      clauses: [
        "Provision of Services. Provider shall perform the Services described in each Statement of Work in accordance with this Agreement, the applicable Statement of Work and the service levels set out in Schedule 2.",
        "Statements of Work. Each Statement of Work forms part of this Agreement. In the event of a conflict between this Agreement and a Statement of Work, this Agreement prevails unless the Statement of Work expressly identifies the provision of this Agreement that it overrides.",
        "Personnel. Provider shall assign appropriately qualified and experienced personnel to perform the Services and shall replace, as soon as reasonably practicable, any individual whom Customer reasonably objects to on grounds of competence or conduct.",
        "Subcontractors. Provider may use subcontractors to perform parts of the Services, provided that it remains fully responsible for the performance, acts and omissions of its subcontractors as if they were its own.",
        "Customer Responsibilities. Customer shall provide Provider with timely access to the Customer Materials, facilities, systems and personnel reasonably required for the performance of the Services, and shall make decisions and give approvals without undue delay.",
        "Change Control. Either party may request a change to the scope of the Services. No change shall be effective until it has been documented in a change order signed by both parties that states its effect on fees, timelines and Deliverables.",
      ],
    },
    {
      heading: "TERM AND RENEWAL",
      clauses: [
        "Term. This Agreement commences on the Effective Date and continues for an initial term of three (3) years, unless terminated earlier in accordance with its terms.",
        `Renewal. At the end of the initial term, this Agreement shall automatically renew for successive renewal terms of one (1) year each, unless either party gives the other written notice of non-renewal at least ${n(t.renewalOptOutDays)} days before the end of the then-current term.`,
      ],
    },
    {
      heading: "FEES AND PAYMENT",
      clauses: [
        "Fees. Customer shall pay the fees set out in Schedule 3 and in each Statement of Work. Unless a Statement of Work states otherwise, fees for time-and-materials Services are calculated at the rates in Schedule 3.",
        `Invoicing and Payment. Provider shall invoice Customer monthly in arrears. Customer shall pay each undisputed invoice within ${n(t.paymentDays)} days of the invoice date by bank transfer to the account designated by Provider.`,
        "Disputed Invoices. If Customer disputes any part of an invoice in good faith, it shall notify Provider in writing with reasonable detail before the due date, pay the undisputed portion, and the parties shall cooperate to resolve the dispute promptly.",
        "Taxes. All fees are exclusive of value added tax, sales tax and similar taxes, which Customer shall pay in addition at the applicable rate, except for taxes on Provider's net income.",
        "Expenses. Customer shall reimburse reasonable travel and subsistence expenses incurred by Provider in performing the Services, provided they were approved by Customer in advance and are supported by receipts.",
      ],
    },
    {
      heading: "ACCEPTANCE",
      clauses: [
        "Acceptance Testing. Customer shall test each Deliverable against its acceptance criteria within ten (10) business days after delivery and shall either accept it or notify Provider of each material non-conformity in reasonable detail.",
        "Remediation. Provider shall correct any non-conformity notified under this Section and redeliver the Deliverable for a further round of acceptance testing. A Deliverable is deemed accepted when Customer uses it in production.",
      ],
    },
    {
      heading: "INTELLECTUAL PROPERTY",
      clauses: [
        t.providerOwnsDeliverables
          ? "Ownership of Deliverables. Provider shall retain all right, title and interest in and to the Deliverables, including all intellectual property rights therein, and grants Customer a non-exclusive, non-transferable licence to use the Deliverables internally during the term of this Agreement."
          : "Ownership of Deliverables. All right, title and interest in and to the Deliverables, including all intellectual property rights therein, shall vest in and be owned exclusively by Customer upon payment of the applicable fees.",
        "Provider Materials. Provider retains ownership of its pre-existing software, tools, methodologies and know-how, and of any improvements to them that are of general application. To the extent any Provider Materials are incorporated into a Deliverable, Provider grants Customer a perpetual, royalty-free licence to use them as part of that Deliverable.",
        "Customer Materials. Customer retains all rights in the Customer Materials and grants Provider a limited licence to use them solely to perform the Services during the term of this Agreement.",
      ],
    },
    {
      heading: "CONFIDENTIALITY",
      clauses: [
        "Confidential Information. Each party shall keep the other party's Confidential Information in strict confidence, use it only to perform its obligations or exercise its rights under this Agreement, and not disclose it to any third party except to its employees and advisers who need to know it and are bound by obligations of confidentiality no less protective than these.",
        "Exceptions. Confidential Information does not include information that is or becomes publicly available through no fault of the receiving party, was lawfully known to the receiving party before disclosure, or is independently developed without use of the disclosing party's information.",
        `Duration. The obligations of confidentiality in this Section survive termination or expiry of this Agreement for a period of ${n(t.confidentialityYears)} years.`,
      ],
    },
    ...(t.dataProtection
      ? [
          {
            heading: "DATA PROTECTION",
            clauses: [
              "Compliance. Each party shall comply with all applicable data protection laws, including the GDPR, in respect of any personal data processed in connection with this Agreement.",
              "Data Processing Agreement. To the extent Provider processes personal data on behalf of Customer, the parties shall enter into and comply with the data processing agreement attached as Schedule 4, which meets the requirements of Article 28 of the GDPR.",
            ],
          },
        ]
      : []),
    {
      heading: "WARRANTIES",
      clauses: [
        `Service Warranty. Provider warrants that the Services will be performed in a professional and workmanlike manner in accordance with generally accepted industry standards, and that each Deliverable will conform materially to its specifications for ${n(t.warrantyDays)} days after acceptance.`,
        "Remedies. If a Deliverable does not conform to the warranty above and Customer notifies Provider within the warranty period, Provider shall at its own cost correct the non-conformity or, if it cannot do so within a reasonable time, refund the fees paid for the non-conforming Deliverable.",
        "Disclaimer. Except as expressly set out in this Agreement, neither party gives any other warranty, and all implied warranties, including merchantability and fitness for a particular purpose, are excluded to the fullest extent permitted by law.",
      ],
    },
    {
      heading: "INDEMNIFICATION",
      clauses: t.oneSidedIndemnity
        ? [
            "Indemnity by Customer. Customer shall defend, indemnify and hold harmless Provider and its officers, directors and employees from and against all third-party claims, losses, damages and expenses, including reasonable legal fees, arising out of Customer's use of the Services or the Deliverables.",
            "Procedure. The indemnified party shall promptly notify the indemnifying party of any claim, give it sole control of the defence and settlement of the claim, and provide reasonable cooperation at the indemnifying party's expense.",
          ]
        : [
            "Mutual Indemnity. Each party shall defend, indemnify and hold harmless the other party and its officers, directors and employees from and against all third-party claims, losses, damages and expenses, including reasonable legal fees, arising from the indemnifying party's breach of this Agreement, negligence or wilful misconduct.",
            "Infringement Claims. Provider shall defend Customer against any third-party claim that a Deliverable infringes that third party's intellectual property rights and pay any damages finally awarded, except to the extent the claim arises from Customer Materials or from modifications not made by Provider.",
            "Procedure. The indemnified party shall promptly notify the indemnifying party of any claim, give it sole control of the defence and settlement of the claim, and provide reasonable cooperation at the indemnifying party's expense.",
          ],
    },
    {
      heading: "LIMITATION OF LIABILITY",
      clauses: [
        "Exclusion of Indirect Losses. Neither party shall be liable to the other for any indirect, incidental, special or consequential damages, or for any loss of profits, revenue, goodwill or data, even if it was advised of the possibility of such damages.",
        `Liability Cap. Each party's total aggregate liability arising out of or relating to this Agreement, whether in contract, tort or otherwise, shall not exceed the fees paid or payable by Customer under this Agreement in the ${n(t.liabilityCapMonths)} months preceding the event giving rise to the claim.`,
        "Exceptions. The exclusions and limitations in this Section do not apply to liability for gross negligence, willful misconduct or fraud, to breach of confidentiality obligations, or to a party's indemnification obligations.",
      ],
    },
    {
      heading: "TERMINATION",
      clauses: [
        `Termination for Convenience. Either party may terminate this Agreement for convenience at any time upon ${n(t.convenienceNoticeDays)} days' prior written notice to the other party.`,
        "Termination for Cause. Either party may terminate this Agreement immediately by written notice if the other party commits a material breach of this Agreement and fails to remedy it within thirty (30) days after receiving written notice of the breach, or if the other party becomes insolvent.",
        "Effect of Termination. On termination or expiry of this Agreement, Customer shall pay Provider for all Services performed up to the date of termination, and each party shall return or destroy the other party's Confidential Information.",
        "Transition Assistance. For up to ninety (90) days after termination, Provider shall provide reasonable assistance to transfer the Services to Customer or to a replacement supplier, at the rates in Schedule 3.",
      ],
    },
    {
      heading: "NON-SOLICITATION",
      clauses: [
        `Non-Solicitation of Employees. During the term of this Agreement and for ${n(t.nonSolicitationMonths)} months thereafter, neither party shall solicit for employment any employee of the other party who was involved in the performance of the Services, provided that general advertisements not targeted at such employees are permitted.`,
      ],
    },
    {
      heading: "INSURANCE",
      clauses: [
        "Insurance. Provider shall maintain, at its own cost and with reputable insurers, professional indemnity insurance with a limit of not less than two million dollars per claim and general liability insurance with a limit of not less than one million dollars per occurrence, and shall provide certificates of insurance on request.",
      ],
    },
    {
      heading: "GENERAL",
      clauses: [
        t.freeAssignment
          ? "Assignment. Provider may freely assign or transfer this Agreement, in whole or in part, on written notice to Customer."
          : "Assignment. Neither party may assign or transfer this Agreement or any of its rights or obligations under it without the prior written consent of the other party, which shall not be unreasonably withheld, except that either party may assign this Agreement to a successor in connection with a merger or sale of substantially all of its assets.",
        `Governing Law. This Agreement shall be governed by and construed in accordance with the laws of ${t.governingLaw}, without regard to its conflict of laws principles.`,
        "Force Majeure. Neither party shall be liable for any failure or delay in performing its obligations caused by events beyond its reasonable control, including fire, flood, war, terrorism, epidemic, strikes or acts of government, provided it notifies the other party promptly and uses reasonable efforts to mitigate the effect.",
        "Notices. All notices under this Agreement shall be in writing and delivered by hand, by courier or by email to the addresses set out on the first page of this Agreement, or to such other address as a party notifies to the other.",
        "Entire Agreement. This Agreement, together with its Schedules and each Statement of Work, constitutes the entire agreement between the parties and supersedes all prior agreements, proposals and representations relating to its subject matter.",
        "Severability. If any provision of this Agreement is held invalid or unenforceable, the remaining provisions shall continue in full force and effect, and the invalid provision shall be replaced by a valid one that comes closest to its intent.",
        "Waiver. No failure or delay by either party in exercising any right or remedy shall operate as a waiver of it, and no single or partial exercise of a right shall preclude its further exercise.",
        "Relationship of the Parties. The parties are independent contractors. Nothing in this Agreement creates a partnership, joint venture, agency or employment relationship between them.",
        "Counterparts. This Agreement may be executed in counterparts, each of which is an original and which together form one instrument. Signatures delivered electronically are binding.",
      ],
    },
  ];
  return {
    title: "MASTER SERVICES AGREEMENT",
    preamble: [
      "This Master Services Agreement (the Agreement) is entered into as of March 1, 2026 (the Effective Date) between Northwind Analytics, Inc., a Delaware corporation with offices at 100 Market Street, San Francisco, California (Provider), and Contoso Retail Ltd., a company with offices at 20 King Street, New York, New York (Customer).",
      "Background. Customer wishes to engage Provider to implement, configure and support an analytics platform for its retail operations, and Provider has agreed to provide those services on the terms of this Agreement.",
    ],
    sections: [...sections, ...schedules()],
    signature: [
      "IN WITNESS WHEREOF, the parties have executed this Agreement by their duly authorised representatives as of the Effective Date.",
      "Northwind Analytics, Inc. By: Jordan Lee, Chief Executive Officer",
      "Contoso Retail Ltd. By: Priya Raman, Chief Operating Officer",
    ],
  };
}

function schedules(): AgreementSection[] {
  return [
    {
      heading: "SCHEDULE 1 - SERVICE DESCRIPTION",
      clauses: [
        "Scope. The Services comprise the discovery, design, implementation, data migration, training and ongoing support of the analytics platform described in this Schedule, for Customer's stores in North America and Europe.",
        "Discovery Phase. Provider shall run workshops with Customer's merchandising, finance and store operations teams to document reporting requirements, data sources, user roles and success measures, and shall deliver a solution design document for Customer's approval.",
        "Implementation Phase. Provider shall configure the analytics platform according to the approved solution design, build the integrations with Customer's point-of-sale, inventory and e-commerce systems, and set up the dashboards and scheduled reports listed in the design.",
        "Data Migration. Provider shall migrate up to five years of historical sales, inventory and promotions data from Customer's existing reporting database, reconcile the migrated totals against Customer's financial records, and document any exceptions found.",
        "Training. Provider shall deliver up to twelve training sessions for Customer's administrators and business users, either on site or remotely, together with user guides and recorded walkthroughs of the main dashboards.",
        "Support. After go-live, Provider shall provide second-line support for the platform and its integrations by email and telephone between 8:00 and 18:00 Eastern Time on business days, and shall maintain a knowledge base of known issues and workarounds.",
        "Reporting. Provider shall send Customer a monthly service report describing the incidents raised, their resolution times, planned maintenance, capacity trends and recommendations for improvement.",
        "Governance. Each party shall appoint a project manager. The project managers shall meet weekly during implementation and monthly after go-live to review progress, risks, open issues and changes, and shall escalate unresolved matters to a steering committee of senior executives.",
      ],
    },
    {
      heading: "SCHEDULE 2 - SERVICE LEVELS",
      clauses: [
        "Availability. Provider shall make the production analytics platform available at least 99.5 percent of the time in each calendar month, excluding planned maintenance notified to Customer at least forty-eight hours in advance and carried out outside business hours.",
        "Incident Priorities. A priority one incident is a complete loss of the platform or of a business-critical report; a priority two incident is a material degradation affecting many users; a priority three incident is any other fault or a request for information.",
        "Response Times. Provider shall respond to priority one incidents within one hour, to priority two incidents within four business hours, and to priority three incidents within two business days, and shall keep Customer informed of progress until resolution.",
        "Service Credits. If availability in a month falls below the target, Customer is entitled to a service credit of five percent of the monthly support fee for each full percentage point of shortfall, up to a maximum of twenty-five percent of that fee, deducted from the next invoice.",
        "Exclusions. Provider is not responsible for failures to meet the service levels caused by Customer's systems, by third-party networks outside Provider's control, or by Customer's failure to follow Provider's reasonable instructions.",
        "Continuous Improvement. Provider shall review the service levels with Customer at least once a year and propose improvements that reflect changes in Customer's business and in the technology used to provide the Services.",
      ],
    },
    {
      heading: "SCHEDULE 3 - RATES",
      clauses: [
        "Implementation Fees. The implementation Services are provided on a fixed-price basis of four hundred and eighty thousand dollars, invoiced in four instalments on completion of the discovery phase, the design approval, the user acceptance test and go-live.",
        "Support Fees. The support Services are charged at a flat rate of twenty-two thousand dollars per month, starting on the first day of the month following go-live.",
        "Time and Materials. Additional Services agreed through change control are charged at the following daily rates: principal consultant two thousand dollars, senior consultant one thousand six hundred dollars, consultant one thousand two hundred dollars, and analyst nine hundred dollars.",
        "Rate Review. Provider may adjust the daily rates once a year with effect from the anniversary of the Effective Date, by no more than the increase in the consumer price index over the preceding year, on written notice to Customer.",
      ],
    },
    {
      heading: "SCHEDULE 4 - SECURITY REQUIREMENTS",
      clauses: [
        "Security Programme. Provider shall maintain a written information security programme approved by its senior management, reviewed at least annually, and aligned with ISO 27001 or an equivalent recognised standard.",
        "Access Control. Provider shall grant its personnel access to Customer systems only on a need-to-know basis, using individual accounts with multi-factor authentication, and shall remove access within one business day after an individual leaves the project.",
        "Secure Development. Provider shall follow secure coding practices, review code changes before release, scan the platform and its integrations for known vulnerabilities at least monthly, and remediate critical vulnerabilities within seven days of discovery.",
        "Environments. Provider shall keep development, test and production environments separate, and shall not use production information in development or test environments without Customer's prior approval.",
        "Logging and Monitoring. Provider shall log administrative access and security-relevant events on the platform, retain the logs for at least twelve months, and review alerts generated by its monitoring tools every day.",
        "Incident Response. Provider shall maintain an incident response plan, test it at least once a year, notify Customer of any security incident affecting the Services without undue delay, and cooperate with Customer's investigation.",
        "Business Continuity. Provider shall maintain business continuity and disaster recovery plans for the Services, with a recovery time objective of eight hours and a recovery point objective of one hour, and shall test them annually.",
        "Security Reviews. Once a year, and after any serious security incident, Customer may review Provider's security controls relevant to the Services by questionnaire or, on reasonable notice, by a meeting with Provider's security team.",
      ],
    },
    {
      heading: "SCHEDULE 5 - PROJECT PLAN",
      clauses: [
        "Milestones. The implementation is planned in four milestones: completion of discovery in week six, approval of the solution design in week ten, completion of user acceptance testing in week twenty-two, and go-live in week twenty-six after the Effective Date.",
        "Dependencies. The plan assumes that Customer provides access to its point-of-sale, inventory and e-commerce systems by week four, nominates business owners for each report area, and makes its subject matter experts available for workshops and testing.",
        "Project Team. Provider's team comprises an engagement lead, a solution architect, two integration developers, a data migration specialist and a trainer. Customer's team comprises a project sponsor, a project manager, a data owner and representatives of the merchandising, finance and store operations teams.",
        "Testing. Provider shall carry out unit, integration and performance testing before delivering each release to Customer for user acceptance testing, and shall share its test plans, test results and defect logs with Customer.",
        "Cutover. Provider and Customer shall agree a cutover plan at least four weeks before go-live, covering the final data load, the switch of reporting users to the new platform, rollback criteria and the support arrangements for the first month.",
        "Hypercare. For the first four weeks after go-live, Provider shall provide an on-site support team during Customer's business hours, hold a daily review of open issues with Customer's project manager, and prioritise fixes for business-critical reports.",
      ],
    },
    {
      heading: "SCHEDULE 6 - EXIT PLAN",
      clauses: [
        "Exit Plan. Within three months after go-live, Provider shall prepare an exit plan describing how the Services would be transferred to Customer or a replacement supplier, and shall update it annually.",
        "Handover. On exit, Provider shall deliver to Customer the configuration of the platform, the integration specifications, the operating procedures, the knowledge base and a list of open incidents and changes, in commonly used formats.",
        "Knowledge Transfer. Provider shall run up to five knowledge transfer workshops for Customer or the replacement supplier, and shall answer reasonable questions about the Services for the duration of the transition period.",
        "Export. Provider shall export all of Customer's reports, dashboards and stored information from the platform in a documented, machine-readable format, and shall confirm in writing when its copies have been deleted.",
      ],
    },
  ];
}

/** The agreement as paragraphs: title, preamble, numbered headings and clauses, signatures. */
export function agreementParagraphs(agreement: Agreement): { text: string; heading: boolean }[] {
  const paragraphs: { text: string; heading: boolean }[] = [
    { text: agreement.title, heading: true },
    ...agreement.preamble.map((text) => ({ text, heading: false })),
  ];
  let sectionNumber = 0;
  for (const section of agreement.sections) {
    if (section.heading.startsWith("SCHEDULE")) {
      paragraphs.push({ text: section.heading, heading: true });
      for (const clause of section.clauses) paragraphs.push({ text: clause, heading: false });
      continue;
    }
    sectionNumber++;
    paragraphs.push({ text: `${sectionNumber}. ${section.heading}`, heading: true });
    section.clauses.forEach((clause, i) => {
      paragraphs.push({ text: `${sectionNumber}.${i + 1} ${clause}`, heading: false });
    });
  }
  for (const line of agreement.signature) paragraphs.push({ text: line, heading: false });
  return paragraphs;
}

/** The agreement as the contracts service extracts a DOCX: paragraphs separated by blank lines. */
export function agreementText(overrides: Partial<AgreementTerms> = {}): string {
  return agreementParagraphs(servicesAgreement(overrides))
    .map((p) => p.text)
    .join("\n\n");
}

/**
 * The agreement as a PDF's text layer reads: lines wrapped at `width` characters, no blank
 * lines between paragraphs, pages separated by a blank line.
 */
export function agreementPdfLikeText(overrides: Partial<AgreementTerms> = {}, width = 95): string {
  const lines: string[] = [];
  for (const paragraph of agreementParagraphs(servicesAgreement(overrides))) {
    let line = "";
    for (const word of paragraph.text.split(" ")) {
      if (line && line.length + word.length + 1 > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  const pages: string[] = [];
  for (let i = 0; i < lines.length; i += 48) pages.push(lines.slice(i, i + 48).join("\n"));
  return pages.join("\n\n");
}
