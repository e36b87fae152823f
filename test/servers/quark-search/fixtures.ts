/** One pageItems[] entry as Alibaba Cloud IQS genericSearch returns it. */
export function pageItem(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cardType: 'structure_web_info',
    title: `黄金价格走势分析 第${n}篇`,
    link: `https://finance.example.cn/gold/trend-${n}.html`,
    hostname: 'finance.example.cn',
    hostLogo: 'https://img.example.cn/finance/logo.png',
    publishTime: 1_735_689_600_000 + n * 86_400_000,
    snippet: `第${n}篇摘要：国际金价本周震荡上行，现货黄金一度突破每盎司2700美元。`,
    mainText: `第${n}篇正文：国际金价本周震荡上行。分析人士认为，美联储降息预期升温是主要推动因素。`,
    markdownText: `**第${n}篇**\n\n国际金价本周震荡上行。\n\n- 现货黄金：2,703 美元/盎司\n- 周涨幅：1.8%`,
    summary: '',
    images: [],
    pageMap: { sitename: '财经示例网' },
    rerankScore: 0.9 - n * 0.05,
    ...overrides,
  };
}

/** A whole genericSearch response body around `items`. */
export function searchResponse(items: unknown[], query = '黄金价格走势'): string {
  return JSON.stringify({
    requestId: '6F1C2B1E-7D7B-4F0A-9C4E-2A1D3B5E8F90',
    pageItems: items,
    sceneItems: [],
    weiboItems: [],
    searchInformation: { searchTime: 723, total: items.length },
    queryContext: {
      originalQuery: { query, timeRange: 'NoLimit', page: 1 },
      rewrite: { enabled: true, timeRange: 'NoLimit' },
    },
  });
}

/** What IQS answers a rejected API key with (HTTP 401). */
export const REJECTED_KEY_BODY = JSON.stringify({
  requestId: '0B8E5D3A-1C2F-4E6A-8B9D-7F0E1A2B3C4D',
  errorCode: 'InvalidApiKey',
  errorMessage: 'Specified api key is not valid.',
});

/** What IQS answers when the QPS quota is exhausted (HTTP 429). */
export const THROTTLED_BODY = JSON.stringify({
  requestId: '3D4C5B6A-7980-4A1B-9C2D-3E4F5A6B7C8D',
  errorCode: 'Throttling.User',
  errorMessage: 'Request was denied due to user flow control.',
});
